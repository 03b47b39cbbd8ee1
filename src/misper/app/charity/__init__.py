"""Missing-persons charities: their partnerships with forces and the emerging-frequent list of
each partner force."""
