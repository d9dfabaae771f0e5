"""quantcorr_bounds plugin package."""
