"""The camera: capturing frames from a webcam or a video file (segmentation and completion to come)."""
