"""Importing the lists commune offices send (Excel, as they fill it in), in stages.

``read`` finds the table in a sheet and returns its raw values, what it left out and why;
``normalise`` turns one raw value into what the database stores, or says in plain Vietnamese why
it cannot. Both are pure: no database, no Streamlit. Checking against the database and loading
come after them and call them.
"""
