#version 330 core
// Portrait shading: glTF metallic/roughness approximated with a wrapped (soft, two-tone)
// diffuse for a skin-friendly look, GGX specular, key + fill + rim lights and a hemisphere
// ambient, all in linear space; tone-mapped and sRGB-encoded on output.
//
// Compiled per material and primitive (see programs.py): HAS_NORMALS, HAS_TANGENTS,
// HAS_COLORS, TEXCOORDS, BASE_TEXTURE, MR_TEXTURE, NORMAL_TEXTURE, OCCLUSION_TEXTURE,
// EMISSIVE_TEXTURE, UNLIT, ALPHA_MASK, ALPHA_BLEND. Only a masked variant can `discard`,
// so opaque draws keep early depth testing.

in vec3 v_world;
#ifdef HAS_NORMALS
in vec3 v_normal;
#endif
#ifdef HAS_TANGENTS
in vec4 v_tangent;
#endif
#ifdef TEXCOORDS
in vec2 v_uv0;
in vec2 v_uv1;
#endif
#ifdef HAS_COLORS
in vec4 v_color;
#endif

out vec4 f_color;

uniform vec4 u_base_color;
uniform float u_metallic;
uniform float u_roughness;
uniform vec3 u_emissive;
uniform float u_alpha_cutoff;

// Base colour and emissive textures are sRGB GL textures, so sampling returns linear values.
// Each texture: which TEXCOORD set, its KHR_texture_transform matrix, and whether it wraps
// MIRRORED_REPEAT per axis (moderngl has no such switch: the shader folds the uv, GL clamps).
uniform sampler2D u_base_tex;
uniform int u_base_uv;
uniform mat3 u_base_transform;
uniform bvec2 u_base_mirror;
uniform sampler2D u_mr_tex;
uniform int u_mr_uv;
uniform mat3 u_mr_transform;
uniform bvec2 u_mr_mirror;
uniform sampler2D u_normal_tex;
uniform int u_normal_uv;
uniform mat3 u_normal_transform;
uniform bvec2 u_normal_mirror;
uniform float u_normal_scale;
uniform sampler2D u_occlusion_tex;
uniform int u_occlusion_uv;
uniform mat3 u_occlusion_transform;
uniform bvec2 u_occlusion_mirror;
uniform sampler2D u_emissive_tex;
uniform int u_emissive_uv;
uniform mat3 u_emissive_transform;
uniform bvec2 u_emissive_mirror;

uniform vec3 u_camera_position;
uniform vec3 u_key_direction;    // unit vectors pointing from the surface towards the light
uniform vec3 u_key_color;
uniform vec3 u_fill_direction;
uniform vec3 u_fill_color;
uniform vec3 u_rim_direction;
uniform vec3 u_rim_color;
uniform vec3 u_sky_color;        // hemisphere ambient, world +Y ...
uniform vec3 u_ground_color;     // ... and -Y
uniform float u_wrap;            // how far diffuse light wraps past the terminator
uniform vec3 u_terminator_tint;  // colour of the wrapped band (a warm scatter for skin)

const float PI = 3.14159265;

#ifdef TEXCOORDS
vec2 uv_for(int set, mat3 transform, bvec2 mirror) {
    vec2 uv = (transform * vec3(set == 1 ? v_uv1 : v_uv0, 1.0)).xy;
    vec2 folded = 1.0 - abs(mod(uv, 2.0) - 1.0);
    return mix(uv, folded, vec2(mirror));
}
#endif

// The sRGB curve: above its linear toe, a fit in sqrt(c) and c^(1/4) within 0.1 of an 8-bit
// level of 1.055 c^(1/2.4) - 0.055; two square roots cost far less than pow() per sample on a
// software rasterizer.
vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    vec3 s1 = sqrt(c);
    vec3 curve = 0.8337125 * s1 + 0.2981459 * sqrt(s1) - 0.05530836 * c - 0.07691194;
    return mix(c * 12.92, curve, step(0.0031308, c));
}

// Khronos PBR Neutral tone mapping: keeps base colours true and only compresses highlights.
vec3 tone_map(vec3 color) {
    const float start = 0.8 - 0.04;
    const float desaturation = 0.15;
    float low = min(color.r, min(color.g, color.b));
    color -= low < 0.08 ? low - 6.25 * low * low : 0.04;
    float peak = max(color.r, max(color.g, color.b));
    if (peak < start) return color;
    const float d = 1.0 - start;
    float new_peak = 1.0 - d * d / (peak + d - start);
    color *= new_peak / peak;
    float g = 1.0 - 1.0 / (desaturation * (peak - new_peak) + 1.0);
    return mix(color, vec3(new_peak), g);
}

vec3 shading_normal() {
#ifdef HAS_NORMALS
    vec3 n = normalize(v_normal);
#else
    vec3 n = normalize(cross(dFdx(v_world), dFdy(v_world)));  // flat, as glTF asks
#endif
    if (!gl_FrontFacing) n = -n;
#ifdef NORMAL_TEXTURE
    vec2 uv = uv_for(u_normal_uv, u_normal_transform, u_normal_mirror);
#ifdef HAS_TANGENTS
    vec3 t = normalize(v_tangent.xyz - n * dot(n, v_tangent.xyz));
    vec3 b = cross(n, t) * v_tangent.w;
#else
    // Tangent frame from screen-space derivatives of position and uv: t along +u, b along
    // -v, since glTF's v runs down the image while a normal map's +Y points up it.
    vec3 dp1 = dFdx(v_world);
    vec3 dp2 = dFdy(v_world);
    vec2 duv1 = dFdx(uv);
    vec2 duv2 = dFdy(uv);
    vec3 dp2perp = cross(dp2, n);
    vec3 dp1perp = cross(n, dp1);
    vec3 t = dp2perp * duv1.x + dp1perp * duv2.x;
    vec3 b = -(dp2perp * duv1.y + dp1perp * duv2.y);
    float scale = inversesqrt(max(max(dot(t, t), dot(b, b)), 1e-20));
    t *= scale;
    b *= scale;
#endif
    vec3 m = texture(u_normal_tex, uv).xyz * 2.0 - 1.0;
    m.xy *= u_normal_scale;
    n = normalize(mat3(t, b, n) * m);
#endif
    return n;
}

float ggx(float n_h, float alpha) {
    float a2 = alpha * alpha;
    float d = n_h * n_h * (a2 - 1.0) + 1.0;
    return a2 / (PI * d * d);
}

float smith_visibility(float n_l, float n_v, float alpha) {
    float k = alpha * 0.5;
    return 0.25 / ((n_l * (1.0 - k) + k) * (n_v * (1.0 - k) + k));
}

// Wrapped diffuse: light reaches a little past the terminator, tinted, which reads as soft
// skin rather than plastic. Light colours are irradiance / pi, so Lambert is diffuse * color.
vec3 soft_diffuse(vec3 n, vec3 l, vec3 color, vec3 diffuse) {
    float n_l = dot(n, l);
    float wrapped = max((n_l + u_wrap) / (1.0 + u_wrap), 0.0);
    vec3 band = mix(u_terminator_tint, vec3(1.0), clamp(n_l * 2.0, 0.0, 1.0));
    return diffuse * wrapped * band * color;
}

// GGX specular, Schlick Fresnel (times pi: see soft_diffuse).
vec3 specular(vec3 n, vec3 v, float n_v, vec3 l, vec3 color, vec3 f0, float alpha) {
    float n_l = max(dot(n, l), 0.0);
    vec3 h = normalize(l + v);
    float x = 1.0 - max(dot(v, h), 0.0);
    vec3 fresnel = f0 + (1.0 - f0) * (x * x * x * x * x);
    return fresnel * (ggx(max(dot(n, h), 0.0), alpha) * smith_visibility(n_l, n_v, alpha) * PI * n_l) * color;
}

void main() {
    vec4 base = u_base_color;
#ifdef HAS_COLORS
    base *= v_color;
#endif
#ifdef BASE_TEXTURE
    base *= texture(u_base_tex, uv_for(u_base_uv, u_base_transform, u_base_mirror));
#endif
#ifdef ALPHA_MASK
    if (base.a < u_alpha_cutoff) discard;
#endif
#ifdef ALPHA_BLEND
    float alpha = base.a;
#else
    float alpha = 1.0;
#endif

#ifdef UNLIT
    f_color = vec4(linear_to_srgb(base.rgb), alpha);
#else
    float metallic = u_metallic;
    float roughness = u_roughness;
#ifdef MR_TEXTURE
    vec4 mr = texture(u_mr_tex, uv_for(u_mr_uv, u_mr_transform, u_mr_mirror));
    roughness *= mr.g;
    metallic *= mr.b;
#endif
    roughness = clamp(roughness, 0.04, 1.0);
    float alpha_r = roughness * roughness;

    vec3 n = shading_normal();
    vec3 v = normalize(u_camera_position - v_world);
    float n_v = dot(n, v);
    // Interpolated normals can face away at silhouettes: tip them back towards the viewer.
    if (n_v < 0.0) {
        n = normalize(n - v * n_v * 1.01);
        n_v = dot(n, v);
    }
    n_v = max(n_v, 1e-4);

    vec3 diffuse = base.rgb * (1.0 - metallic);
    vec3 f0 = mix(vec3(0.04), base.rgb, metallic);
    // The key light shapes and shines; the fill only softens shadows, so it has no highlight.
    vec3 color = soft_diffuse(n, u_key_direction, u_key_color, diffuse)
               + specular(n, v, n_v, u_key_direction, u_key_color, f0, alpha_r)
               + soft_diffuse(n, u_fill_direction, u_fill_color, diffuse);

    // Rim: a back light seen at grazing angles outlines the face against the background.
    float grazing = 1.0 - n_v;
    color += u_rim_color * (grazing * grazing * grazing) * clamp(dot(n, u_rim_direction) + 0.6, 0.0, 1.0)
           * (0.15 + 0.85 * base.rgb);  // dark insides (the mouth) catch little of it

    vec3 ambient = mix(u_ground_color, u_sky_color, n.y * 0.5 + 0.5);
    vec3 lit_ambient = ambient * diffuse + ambient * f0 * (1.0 - roughness * 0.7);
#ifdef OCCLUSION_TEXTURE
    lit_ambient *= texture(u_occlusion_tex, uv_for(u_occlusion_uv, u_occlusion_transform, u_occlusion_mirror)).r;
#endif
    color += lit_ambient;

    vec3 emissive = u_emissive;
#ifdef EMISSIVE_TEXTURE
    emissive *= texture(u_emissive_tex, uv_for(u_emissive_uv, u_emissive_transform, u_emissive_mirror)).rgb;
#endif
    color += emissive;

    f_color = vec4(linear_to_srgb(tone_map(color)), alpha);
#endif
}
