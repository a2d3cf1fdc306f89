"""Content admins edit besides the FAQ itself: the offices directory and the advisers' canned replies."""
