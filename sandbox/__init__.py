"""Local emulators of the Render and Supabase Management APIs (see README.md)."""
