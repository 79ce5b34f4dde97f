"""The feeds of the three pressure structures: own unit, across departments, leaders, and whom I follow."""
