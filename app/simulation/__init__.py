"""Simulations: the financing plan, its maths (schedules, TAEG, smoothing) and its rules
(usury, debt ratio, reste à vivre)."""
