"""/home: the Overview, for an old bookmark or a typed address (Streamlit serves the default page at the root
only). Hidden from the navigation; see dashboard.py."""

from safer import ui

ui.show_page("overview.py")
