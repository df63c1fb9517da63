"""Model families. Each module holds frozen parameters, calibration from a World and pure equations."""
