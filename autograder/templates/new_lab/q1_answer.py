q1 = """
-- ### BEGIN SOLUTION
SELECT p.city, count(*) AS confirmed_stays
FROM bookings AS b
JOIN properties AS p ON p.property_id = b.property_id
WHERE b.status = 'confirmed'
  AND b.start_date >= DATE '2024-01-01' AND b.start_date < DATE '2025-01-01'
GROUP BY p.city
ORDER BY confirmed_stays DESC, p.city
-- ### END SOLUTION
"""
