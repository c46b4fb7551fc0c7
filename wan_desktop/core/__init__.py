"""The Qt-free core: API client, jobs, store, engine, library and media. Usable from a script."""
