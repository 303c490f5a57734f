"""Cross-border rivers: section water quality by GB 3838, upstream/downstream linkage and the
water-pollution incident emergency linkage of the three jurisdictions."""
