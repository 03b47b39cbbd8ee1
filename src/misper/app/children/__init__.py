"""Children: the one place a child's name and date of birth are held."""
