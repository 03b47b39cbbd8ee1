"""The canonical incident table: schema, loading with mapping profiles, writing, pseudonymising."""
