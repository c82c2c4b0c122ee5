// The one translation unit of core that compiles stb_image. Only the formats DeadZone gives it are
// built, which also keeps the wasm binary small; PNG goes to libspng (png_decode.cpp), JPEG to
// libjpeg-turbo (jpeg_decode.cpp).
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_NO_STDIO_WARNINGS
#include <stb_image.h>
