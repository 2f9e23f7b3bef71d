// Package gui holds Reelhouse's windows: the main window, with the compose
// pane beside the library, Settings, Usage, Compare and the welcome.
//
// # Threads
//
// Background work (the tracker, the keychain, the network, ffmpeg) never
// touches a widget. A goroutine of the gui is started only by
// UI.background, which Stop cancels and waits for, and it reports back
// only through UI.do, which runs a function on Fyne's goroutine and drops
// it once the UI has stopped or Fyne's loop has ended. Many views call
// UI.do for their own results; bridge.go is where the tracker's events
// (a video changed, progress, the service unreachable) come in and are
// handed to the views.
//
// # Where to look
//
//   - ui.go: UI, the wiring: what the windows depend on (Deps), Start,
//     Stop, background, do, error dialogs.
//   - mainwindow.go: the main window's menu, shortcuts, tray,
//     notifications and quitting; panes.go lays out its two panes.
//   - compose.go, prompts.go, models.go, prices.go: the compose pane, its
//     saved prompts and batches, the models and their prices.
//   - library.go: the library pane, made of library_model.go (the query,
//     the loaded page, the selection, live updates: the state every part
//     of the library observes), library_filter.go (search and filters),
//     library_list.go and library_grid.go (the two views of the videos),
//     library_wait.go (the waiting and progress words),
//     library_picks.go (the bar of picked videos), library_detail.go
//     with library_actions.go and library_editor.go (the detail pane, its
//     buttons, its title, tags and note) and library_menu.go (the Library
//     menu).
//   - player.go and player_surface.go: the in-app player; the decoding
//     and the sound are in the Fyne-free package gui/playback.
//   - continue.go: a new video from a frame of another; compare.go: videos
//     side by side.
//   - keys.go, welcome.go, settings.go: the API key's one flow, the first
//     run, Settings; statusline.go: the status line with Details they share.
//   - errtext.go, words.go, lang.go and translations/: every sentence a
//     person reads, in English and Simplified Chinese.
package gui
