"""quantcorr_nn plugin package."""
