fn main() {
    avatar_studio::mount();
}
