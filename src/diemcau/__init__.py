"""diemcau: the control plane of a nationwide hybrid conference (điểm cầu = bridge point)."""

__version__ = "0.1.0"
