# Wrong: takes the longest stay of any status, so a long cancelled booking wins.
def longest_stay(con, city):
    """The (booking_id, nights) of the longest confirmed stay in `city`, or None."""
    rows = con.execute(
        """
        SELECT b.booking_id, b.nights
        FROM bookings AS b
        JOIN properties AS p ON p.property_id = b.property_id
        WHERE p.city = ?
        """,
        [city],
    ).fetchall()
    if not rows:
        return None
    booking_id, nights = max(rows, key=lambda row: (row[1], -row[0]))
    return booking_id, nights
