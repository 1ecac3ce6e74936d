# Homebrew cask for ClaudeMeter. A template: the release workflow fills the placeholders
# (packaging/release.py fill) and attaches the result to the GitHub release, to be copied into
# a tap (brew install --cask <tap>/claude-meter).
cask "claude-meter" do
  version "@VERSION@"
  sha256 "@SHA256_MACOS_ARM64@"

  url "https://github.com/@REPOSITORY@/releases/download/v#{version}/ClaudeMeter-#{version}-macos-arm64.zip"
  name "ClaudeMeter"
  desc "Menu bar meter for Claude's plan usage limits"
  homepage "https://github.com/@REPOSITORY@"

  depends_on arch: :arm64
  depends_on macos: ">= :monterey"

  app "ClaudeMeter.app"
  binary "#{appdir}/ClaudeMeter.app/Contents/MacOS/claude-meter"

  uninstall quit:      "ai.claudemeter.ClaudeMeter",
            launchctl: "ai.claudemeter.ClaudeMeter"

  zap trash: [
    "~/Library/Application Support/claude-meter",
    "~/Library/LaunchAgents/ai.claudemeter.ClaudeMeter.plist",
    "~/Library/Logs/claude-meter",
  ]
end
