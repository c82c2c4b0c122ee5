// The one translation unit that compiles stb_image. Only the formats DeadZone accepts are built,
// which also keeps the wasm binary small.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_NO_STDIO_WARNINGS
#include <stb_image.h>
