"""Users of the store and the roles that decide what each may see."""
