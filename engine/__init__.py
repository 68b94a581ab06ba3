"""Real-time ARKit facial animation for any rigged glTF/GLB/VRM avatar."""
