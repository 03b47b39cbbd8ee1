"""Dashboards per agency, within what it may see: open episodes, frequent and emerging children,
return home interview compliance, care-home feedback, hotspots and the co-missing network."""
