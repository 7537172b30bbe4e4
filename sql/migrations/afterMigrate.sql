-- Flyway callback: after every migrate, PostgREST reloads its schema cache.
notify pgrst, 'reload schema';
