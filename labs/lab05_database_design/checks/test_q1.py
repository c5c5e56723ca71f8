"""Question 1: the ER diagram of StayHub's requirements (Mermaid erDiagram)."""

from prodev.checking import check
from prodev.kits.erdiagram import DiagramError, parse

ENTITIES = {"USERS", "PROPERTIES", "BOOKINGS", "REVIEWS", "PAYMENTS"}
PAIRS = [
    {"USERS", "PROPERTIES"},
    {"USERS", "BOOKINGS"},
    {"PROPERTIES", "BOOKINGS"},
    {"BOOKINGS", "REVIEWS"},
    {"BOOKINGS", "PAYMENTS"},
]
KEYS = {
    "USERS": ({"user_id"}, set()),
    "PROPERTIES": ({"property_id"}, {"host_id"}),
    "BOOKINGS": ({"booking_id"}, {"property_id", "guest_id"}),
    "REVIEWS": ({"review_id"}, {"booking_id"}),
    "PAYMENTS": ({"payment_id"}, {"booking_id"}),
}


def diagram(student):
    text = student.value("er_diagram")
    assert isinstance(text, str), "er_diagram should be a string holding Mermaid text"
    assert "NotImplementedError" not in text, "not answered yet: write your diagram in the string"
    try:
        return parse(text)
    except DiagramError as exc:
        raise AssertionError(f"the diagram does not parse: {exc}") from None


@check("q1", points=1)
def test_entities_and_relationships(student):
    er = diagram(student)
    missing = sorted(ENTITIES - set(er.entities))
    assert not missing, f"the diagram has no entity {', '.join(missing)} (names are upper case)"
    extra = sorted(set(er.entities) - ENTITIES)
    assert not extra, f"the requirements have no entity {', '.join(extra)}"
    for pair in PAIRS:
        found = er.between(*pair)
        a, b = sorted(pair)
        assert found, f"no relationship between {a} and {b}: which requirement links them?"
        assert len(found) == 1, f"{len(found)} relationships between {a} and {b}; one is enough"
    assert len(er.relationships) == len(PAIRS), (
        f"{len(er.relationships)} relationships, expected {len(PAIRS)}: one per requirement"
    )


@check("q1", points=1)
def test_primary_and_foreign_keys(student):
    er = diagram(student)
    for entity, (pks, fks) in KEYS.items():
        attributes = er.entities.get(entity, {})
        assert attributes, f"{entity} has no attribute block `{entity} {{ ... }}`"
        for column in pks:
            assert "PK" in attributes.get(column, set()), f"{entity} should list {column} marked PK"
        marked_pk = {c for c, keys in attributes.items() if "PK" in keys}
        assert marked_pk == pks, f"{entity} marks {sorted(marked_pk)} as PK: one key is enough"
        for column in fks:
            assert "FK" in attributes.get(column, set()), (
                f"{entity} should list the foreign key {column} marked FK"
            )
