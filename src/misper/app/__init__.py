"""The multi-agency case store: one database the police, councils, care homes and RHI providers
share."""
