"""One module per part of the report; each turns the fold into tables."""
