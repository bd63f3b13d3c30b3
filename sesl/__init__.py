"""sesl: the SES email-event data lake, stood up and kept in line."""
