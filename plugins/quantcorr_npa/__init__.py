"""quantcorr_npa plugin package."""
