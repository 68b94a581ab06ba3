#version 330 core
// The background image, already cropped to the frame and stored sRGB-encoded like the
// colour buffer, so it is copied through unchanged: texel for pixel, fetched by the pixel's
// place in the whole frame (`u_offset`: where this framebuffer's origin lies in it).

out vec4 f_color;

uniform sampler2D u_image;
uniform ivec2 u_offset;

void main() {
    f_color = vec4(texelFetch(u_image, ivec2(gl_FragCoord.xy) + u_offset, 0).rgb, 1.0);
}
