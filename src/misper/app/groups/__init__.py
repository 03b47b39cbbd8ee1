"""Groups (gangs, peer groups) as the police record them, their rivalries and the children linked
to them: police intelligence."""
