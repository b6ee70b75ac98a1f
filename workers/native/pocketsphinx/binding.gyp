{
  "targets": [
    {
      "target_name": "pocketsphinx",
      "sources": ["src/addon.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": [
        "-std=gnu11",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "<!@(pkg-config --cflags pocketsphinx)",
        "<!@(node internal-headers.mjs)"
      ],
      "libraries": ["<!@(pkg-config --libs pocketsphinx)"]
    }
  ]
}
