"""Prevention (safe and well) interviews by the police and return home interviews by the
provider."""
