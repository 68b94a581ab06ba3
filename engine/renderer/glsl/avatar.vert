#version 330 core
// Morph targets, skinning and the node transform for one avatar primitive.
// The renderer inserts `#define`s after the version line for what the primitive has
// (HAS_NORMALS, HAS_TANGENTS, HAS_COLORS, TEXCOORDS, SKINNED) and MORPH_TEXTURE when its
// morphs are blended here (GPU path); otherwise the CPU has already blended them into
// a_position / a_normal. Compiled variants, not runtime switches: a software rasterizer pays
// for every branch on every vertex.

in vec3 a_position;
out vec3 v_world;

#ifdef HAS_NORMALS
in vec3 a_normal;
out vec3 v_normal;
#endif
#ifdef HAS_TANGENTS
in vec4 a_tangent;
out vec4 v_tangent;
#endif
#ifdef TEXCOORDS
in vec2 a_uv0;
in vec2 a_uv1;
out vec2 v_uv0;
out vec2 v_uv1;
#endif
#ifdef HAS_COLORS
in vec4 a_color;
out vec4 v_color;
#endif

uniform mat4 u_model;            // node world matrix; ignored for skinned primitives (glTF rule)
uniform mat4 u_view_proj;

#ifdef SKINNED
in vec4 a_joints0;   // joint indices as floats (exact below 2^24)
in vec4 a_joints1;
in vec4 a_weights0;
in vec4 a_weights1;
uniform int u_skin_sets;             // 1: JOINTS_0 only, 2: JOINTS_0 and JOINTS_1
uniform sampler2D u_joint_matrices;  // row j holds the 4 columns of skin matrix j

mat4 joint_matrix(float index) {
    int j = int(index);
    return mat4(texelFetch(u_joint_matrices, ivec2(0, j), 0),
                texelFetch(u_joint_matrices, ivec2(1, j), 0),
                texelFetch(u_joint_matrices, ivec2(2, j), 0),
                texelFetch(u_joint_matrices, ivec2(3, j), 0));
}
#endif

#ifdef MORPH_TEXTURE
uniform sampler2DArray u_morph_deltas;  // layer t: position deltas of target t; M + t: normals
uniform sampler2D u_morph_active;       // texel i: (target index, weight) of an active target
uniform int u_morph_count;              // how many active targets u_morph_active holds
uniform int u_morph_targets;            // M, the offset of the normal-delta layers
uniform bool u_morph_normals;
#endif

void main() {
    vec3 position = a_position;
#ifdef HAS_NORMALS
    vec3 normal = a_normal;
#endif
#ifdef MORPH_TEXTURE
    int width = textureSize(u_morph_deltas, 0).x;
    ivec2 texel = ivec2(gl_VertexID % width, gl_VertexID / width);
    for (int i = 0; i < u_morph_count; ++i) {
        vec2 pair = texelFetch(u_morph_active, ivec2(i, 0), 0).xy;
        int target = int(pair.x);
        position += pair.y * texelFetch(u_morph_deltas, ivec3(texel, target), 0).xyz;
#ifdef HAS_NORMALS
        if (u_morph_normals) {
            normal += pair.y * texelFetch(u_morph_deltas, ivec3(texel, u_morph_targets + target), 0).xyz;
        }
#endif
    }
#endif

#ifdef SKINNED
    mat4 model = a_weights0.x * joint_matrix(a_joints0.x) + a_weights0.y * joint_matrix(a_joints0.y)
               + a_weights0.z * joint_matrix(a_joints0.z) + a_weights0.w * joint_matrix(a_joints0.w);
    if (u_skin_sets > 1) {
        model += a_weights1.x * joint_matrix(a_joints1.x) + a_weights1.y * joint_matrix(a_joints1.y)
               + a_weights1.z * joint_matrix(a_joints1.z) + a_weights1.w * joint_matrix(a_joints1.w);
    }
#else
    mat4 model = u_model;
#endif

    vec4 world = model * vec4(position, 1.0);
    v_world = world.xyz;
    gl_Position = u_view_proj * world;

    mat3 m = mat3(model);
    // A mirroring transform flips the handedness of the tangent frame.
    float handedness = dot(m[0], cross(m[1], m[2])) < 0.0 ? -1.0 : 1.0;
#ifdef HAS_NORMALS
    // Normals take the inverse transpose; the cofactor matrix is that times det(m), so only
    // its sign matters (a mirroring transform must not turn normals inside out).
    mat3 cofactor = mat3(cross(m[1], m[2]), cross(m[2], m[0]), cross(m[0], m[1]));
    v_normal = handedness * (cofactor * normal);
#endif
#ifdef HAS_TANGENTS
    v_tangent = vec4(m * a_tangent.xyz, a_tangent.w * handedness);
#endif
#ifdef TEXCOORDS
    v_uv0 = a_uv0;
    v_uv1 = a_uv1;
#endif
#ifdef HAS_COLORS
    v_color = a_color;
#endif
}
