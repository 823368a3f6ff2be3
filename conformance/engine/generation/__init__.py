"""What Schemathesis and Hypothesis generate for the engine: Dutch identifiers as strategies
(``identifiers``) and string formats (``formats``), the codec tables built without a memory
spike (``unicode_tables``), and which negative cases count as negative (``negative_cases``)."""
