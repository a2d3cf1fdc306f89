"""Content admins edit besides the FAQ itself: the offices directory, the counties and the advisers' canned
replies; `folder` reads a whole FAQ folder into one `Content`."""
