"""The canonical incident table: its schema, loading with mapping profiles, writing, pseudonymising."""
