# ProDev Backend images, in the manner of jupyter/docker-stacks.
#
#   docker build --target student -t prodev-backend-student .   JupyterLab with the student bundle
#   docker build --target grader  -t prodev-backend-grader  .   the course with solutions, hidden
#                                                                checks, bubblewrap and `prodev grade`
#   docker build --target instructor -t prodev-backend-instructor .   the grader's course in
#                                                                JupyterLab, for the hub's staff
#
# student and grader run as the unprivileged user `prodev` (uid 1000, gid 100 as in
# docker-stacks), instructor as `instructor` (uid and gid 2000, the exchange's staff). See
# docs/deployment.md for how to run them and deploy/ for JupyterHub and Kubernetes.

# ---- base: Python, every pinned dependency, the unprivileged user ---------------------------
FROM python:3.11.14-slim-bookworm AS base

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

ARG PRODEV_USER=prodev
ARG PRODEV_UID=1000
ARG PRODEV_GID=100

ENV LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PLOOMBER_STATS_ENABLED=false \
    PLOOMBER_VERSION_CHECK_DISABLED=true \
    MPLBACKEND=Agg \
    PRODEV_HOME=/srv/prodev \
    PRODEV_DATA_DIR=/srv/prodev/data

# One layer: the user, the virtualenv and every dependency at the version in requirements.lock,
# with pip's and apt's caches left out of the image.
COPY requirements.lock /tmp/requirements.lock
RUN useradd --no-log-init --create-home --shell /bin/bash \
        --uid "${PRODEV_UID}" --gid "${PRODEV_GID}" "${PRODEV_USER}" && \
    python -m venv "${VIRTUAL_ENV}" && \
    pip install --no-cache-dir --upgrade "pip==26.3" "setuptools==80.9.0" && \
    pip install --no-cache-dir -r /tmp/requirements.lock && \
    rm -rf /tmp/requirements.lock /root/.cache && \
    mkdir -p /srv/prodev && chown "${PRODEV_UID}:${PRODEV_GID}" /srv/prodev

WORKDIR /srv/prodev

# ---- bundle: select what students receive with the same code as `prodev bundle student` ------
FROM base AS bundle
WORKDIR /tmp/course
COPY . /tmp/course
RUN PRODEV_HOME=/tmp/course python -m prodev bundle student /tmp/student-bundle

# ---- student: JupyterLab on the student bundle ----------------------------------------------
FROM base AS student

# JupyterHub's single-user server, so that the same image serves a hub (deploy/jupyterhub/);
# keep its version close to the hub's. The lock constrains everything the two share.
ARG JUPYTERHUB_VERSION=6.1.1
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir "jupyterhub==${JUPYTERHUB_VERSION}" -c /tmp/requirements.lock && \
    rm -rf /tmp/requirements.lock /root/.cache

EXPOSE 8888
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8888/api', timeout=4)"]

# On the hub each student runs under a uid of their own, which prodev-singleuser names in
# /etc/passwd at start: the file is writable by the students' group, in each container only,
# and no setuid program believes it (the hub's pods cannot escalate privileges). Staff tools
# are hidden from the student's JupyterLab (a convenience: the exchange's modes are the guard).
COPY --chmod=755 deploy/jupyterhub/prodev-singleuser /usr/local/bin/prodev-singleuser
RUN chgrp 100 /etc/passwd && chmod g+w /etc/passwd && \
    jupyter labextension disable --level=sys_prefix @jupyter/nbgrader:formgrader \
        @jupyter/nbgrader:create-assignment @jupyter/nbgrader:course-list

# Files last: they change most often, so the layers above stay cached.
COPY --from=bundle --chown=1000:100 /tmp/student-bundle /srv/prodev
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e /srv/prodev && \
    rm -rf /srv/prodev/*.egg-info

USER 1000
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", \
     "--ServerApp.root_dir=/srv/prodev"]

# ---- grader: the whole course, the sandbox and the grading engine ---------------------------
FROM base AS grader

# With `--sandbox docker`, each submission runs in a container of this image: the student image,
# which has the same Python environment and no solutions or hidden checks to read.
ARG SANDBOX_IMAGE=prodev-backend-student:0.1.0
ENV PRODEV_GRADER_IMAGE=${SANDBOX_IMAGE}

# bubblewrap is the grading sandbox (see autograder/); nothing else is added to the system.
RUN apt-get update && \
    apt-get install -y --no-install-recommends bubblewrap=0.8.0-2+deb12u1 && \
    apt-get clean && rm -rf /var/lib/apt/lists/*

HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
    CMD ["prodev", "--help"]

COPY --chown=1000:100 prodev /srv/prodev/prodev
COPY --chown=1000:100 autograder /srv/prodev/autograder
COPY --chown=1000:100 solutions /srv/prodev/solutions
COPY --chown=1000:100 labs /srv/prodev/labs
COPY --chown=1000:100 pyproject.toml README.md nbgrader_config.py requirements.lock /srv/prodev/
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e /srv/prodev && \
    rm -rf /srv/prodev/*.egg-info

USER 1000
ENTRYPOINT ["prodev"]
CMD ["--help"]

# ---- instructor: the grader's course in JupyterLab, for the hub's instructor profile --------
FROM grader AS instructor

# Collect, `prodev grade`, formgrader and feedback, on the exchange that deploy/jupyterhub/
# lays out for this uid and group. The course is copied into the home volume on first start.
USER 0
ARG JUPYTERHUB_VERSION=6.1.1
ARG STAFF_UID=2000
ARG STAFF_GID=2000
COPY requirements.lock /tmp/requirements.lock
RUN groupadd --gid "${STAFF_GID}" prodev-staff && \
    useradd --no-log-init --no-create-home --home-dir /home/prodev --shell /bin/bash \
        --uid "${STAFF_UID}" --gid "${STAFF_GID}" instructor && \
    pip install --no-cache-dir "jupyterhub==${JUPYTERHUB_VERSION}" -c /tmp/requirements.lock && \
    rm -rf /tmp/requirements.lock /root/.cache

EXPOSE 8888
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8888/api', timeout=4)"]

USER 2000
ENTRYPOINT []
CMD ["jupyterhub-singleuser"]
