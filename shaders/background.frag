#version 330 core
// The background image, already cropped to the frame and stored sRGB-encoded like the
// colour buffer, so it is copied through unchanged.

in vec2 v_uv;
out vec4 f_color;

uniform sampler2D u_image;

void main() {
    f_color = vec4(texture(u_image, v_uv).rgb, 1.0);
}
