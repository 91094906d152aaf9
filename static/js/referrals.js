// The referrals page's "Copy link" button: copy the field's text and say so (aria-live).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = "Link copied.";
  } catch {
    if (status) status.textContent = "Press Ctrl+C (⌘C on a Mac) to copy the selected link.";
  }
});
