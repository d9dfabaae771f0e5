"""quantcorr_postquantum plugin package."""
