"""ParkBrain 园区产业大脑: the industry brain of a high-tech park."""

__version__ = "0.1.0"
