"""What the engine reads from the OpenAPI document under test: its operations
(``operations``), the requests its examples call valid (``spec_requests``), where dates sit
in a body (``datetimes``) and which operations page (``paging``)."""
