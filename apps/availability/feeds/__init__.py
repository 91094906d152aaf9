"""Calendar import: instructors' private ICS feeds, fetched safely, parsed into busy times
that block open slots like bookings."""
