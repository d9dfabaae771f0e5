"""Example quantcorr plugin: the Peres-Horodecki (PPT) criterion as a steering certifier."""
