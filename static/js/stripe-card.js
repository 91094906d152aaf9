// The cards page with Stripe: Stripe's Payment Element collects the card in its own frame,
// confirmSetup saves it for off-session use (running the bank's check when it asks for one),
// then the form posts the SetupIntent's id and the server reads the card from Stripe.
(function () {
  "use strict";
  var form = document.getElementById("stripe-card-form");
  if (!form) { return; }
  var button = document.getElementById("stripe-card-save");
  var error = document.getElementById("stripe-error");
  var mount = document.getElementById("payment-element");

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
  }

  if (typeof window.Stripe !== "function") {
    mount.textContent = "";
    fail("The card form could not load. Check your connection, or allow js.stripe.com if an extension blocks it, then reload this page.");
    return;
  }
  var stripe = window.Stripe(form.dataset.stripeKey);
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  mount.textContent = "";
  elements.create("payment").mount(mount);
  button.disabled = false;

  form.addEventListener("submit", function (event) {
    if (form.elements.setup_intent.value) { return; }
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    stripe.confirmSetup({ elements: elements, redirect: "if_required" }).then(function (result) {
      if (result.error) {
        fail(result.error.message || "Your card could not be saved.");
        button.disabled = false;
        return;
      }
      form.elements.setup_intent.value = result.setupIntent.id;
      form.submit();
    });
  });
})();
