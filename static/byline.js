// Byline's own script (the Content-Security-Policy allows no inline one). Every page works
// without it; it only makes a few things nicer.

// A photo that does not load gives way to the initials drawn beneath it.
document.querySelectorAll("img.avatar-photo").forEach(function (img) {
  function broken() {
    img.parentElement.classList.add("no-photo");
    img.remove();
  }
  if (img.complete && img.naturalWidth === 0) {
    broken();
  } else {
    img.addEventListener("error", broken);
  }
});
