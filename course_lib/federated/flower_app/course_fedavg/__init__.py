"""The course's FedAvg experiment as a Flower app: ``server_app.app`` and ``client_app.app``."""
