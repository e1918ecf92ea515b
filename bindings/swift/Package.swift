// swift-tools-version:5.9
// The PusherLite Swift package, assembled by `cargo xtask bindings` into
// <target>/bindings/swift/PusherLite/ around the uniffi-generated sources:
//   Sources/PusherLite/PusherLite.swift      the Swift API
//   Sources/pusher_liteFFI/pusher_liteFFI.h  the C interface of the library
//   Sources/pusher_liteFFI/module.modulemap  its module
//   lib/libpusher_lite_ffi.so                the library built on this machine
// For Apple platforms, build the Rust library for each target
// (`cargo build --release -p pusher-lite-ffi --target aarch64-apple-ios`, …)
// and link it instead (or wrap the builds in an XCFramework binary target).
import PackageDescription

let package = Package(
    name: "PusherLite",
    products: [
        .library(name: "PusherLite", targets: ["PusherLite"]),
    ],
    targets: [
        .systemLibrary(name: "pusher_liteFFI", path: "Sources/pusher_liteFFI"),
        .target(
            name: "PusherLite",
            dependencies: ["pusher_liteFFI"],
            path: "Sources/PusherLite",
            linkerSettings: [
                .linkedLibrary("pusher_lite_ffi"),
                .unsafeFlags(["-Llib"]),
            ]
        ),
    ]
)
