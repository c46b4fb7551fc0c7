"""Everything that speaks to DashScope: model catalog, request types, errors and the HTTP client."""
