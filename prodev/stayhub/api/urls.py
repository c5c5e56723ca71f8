"""URL routes: REST under /api/, GraphQL at /graphql, the OpenAPI schema at /api/schema/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import (
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from prodev.stayhub.api import views

router = DefaultRouter()
router.register("properties", views.PropertyViewSet, basename="property")
router.register("bookings", views.BookingViewSet, basename="booking")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("users", views.UserViewSet, basename="user")
router.register("payments", views.PaymentViewSet, basename="payment")

urlpatterns = [
    path("", views.index),
    path("api/auth/token/", obtain_auth_token, name="auth-token"),
    path("api/auth/jwt/", TokenObtainPairView.as_view(), name="jwt-obtain"),
    path("api/auth/jwt/refresh/", TokenRefreshView.as_view(), name="jwt-refresh"),
    path("api/auth/jwt/verify/", TokenVerifyView.as_view(), name="jwt-verify"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/health/", views.health, name="health"),
    path("api/", include(router.urls)),
    path("graphql", views.graphql, name="graphql"),
    path("graphql/", views.graphql),
]

handler404 = views.not_found
handler500 = views.server_error
