//! Product cards: a white rounded card with the product's picture, name, selling point,
//! price (with the original price struck through and the discount), optionally the sales
//! line under the price, and the QR code of the buy link. The layout follows the rect's shape: a wide card puts picture, text and
//! QR code side by side; a tall one stacks them.

use std::path::Path;

use show::Product;

use crate::color::Rgba;
use crate::image::{self, Fit};
use crate::qr::{self, QrFit, QrMatrix};
use crate::sales::SalesLine;
use crate::text::{fit_line, font, new_layout, DEFAULT_FONTS};
use crate::{new_surface, rounded_rect, RenderError};

const PANEL: Rgba = Rgba::hex(0xffffff);
const INK: Rgba = Rgba::hex(0x1f1f1f);
const MUTED: Rgba = Rgba::hex(0x8c8c8c);
/// The price and badges: the warm red shoppers read as "deal".
const ACCENT: Rgba = Rgba::hex(0xff2d3f);
const ACCENT_DEEP: Rgba = Rgba::hex(0xff5a1f);
const TAG_TEXT: Rgba = Rgba::hex(0xe8431b);
const TAG_BACKGROUND: Rgba = Rgba::hex(0xfff0e6);

/// Placeholder backgrounds: soft two-tone gradients that sit well with the accent red.
const PLACEHOLDER_GRADIENTS: [(Rgba, Rgba); 8] = [
    (Rgba::hex(0xffb199), Rgba::hex(0xff0844)), // coral
    (Rgba::hex(0xfbc2eb), Rgba::hex(0xa18cd1)), // lilac
    (Rgba::hex(0x84fab0), Rgba::hex(0x3cba92)), // mint
    (Rgba::hex(0x8fd3f4), Rgba::hex(0x4a7fe0)), // sky
    (Rgba::hex(0xffd36e), Rgba::hex(0xf7797d)), // sunset
    (Rgba::hex(0xa1c4fd), Rgba::hex(0x8c6bd6)), // dusk
    (Rgba::hex(0xf6d365), Rgba::hex(0xfda085)), // peach
    (Rgba::hex(0x96e6a1), Rgba::hex(0x2fa8a0)), // teal
];

const SOLD_OUT: &str = "已售罄 SOLD OUT";
const SCAN_TO_BUY: &str = "扫码购买 Scan to buy";

/// Wider than this (width / height) lays out side by side, otherwise stacked.
const LANDSCAPE_ASPECT: f64 = 1.3;
/// Narrower than this, a stacked card puts its picture on top.
const TALL_ASPECT: f64 = 0.9;
/// The smallest text on a card, in pixels.
const MIN_TEXT_PX: f64 = 7.0;

pub(crate) fn render(
    product: &Product,
    image_path: Option<&Path>,
    show_qr: bool,
    show_sales: bool,
    w: i32,
    h: i32,
) -> Result<cairo::ImageSurface, RenderError> {
    // The picture is never drawn wider or taller than the card.
    let picture = image_path.map(|path| image::load(path, w.max(h))).transpose()?;
    let qr = if show_qr && !product.url.trim().is_empty() { Some(qr::encode(product.url.trim())?) } else { None };

    let surface = new_surface(w, h)?;
    let cr = cairo::Context::new(&surface)?;
    let card = Card::new(f64::from(w), f64::from(h));
    card.draw_panel(&cr)?;

    let content = card.content();
    let mut info = Info::new(product);
    if show_sales {
        info.sales = Some(SalesLine::of(product));
    }
    if f64::from(w) >= f64::from(h) * LANDSCAPE_ASPECT {
        landscape(&cr, &card, content, product, picture.as_ref(), qr.as_ref(), &info)?;
    } else {
        stacked(&cr, &card, content, product, picture.as_ref(), qr.as_ref(), &info)?;
    }
    if is_sold_out(product) {
        card.draw_sold_out(&cr)?;
    }
    drop(cr);
    Ok(surface)
}

/// Sold out by the producer's say-so, or because no unit is left.
fn is_sold_out(product: &Product) -> bool {
    product.sold_out || product.stock == Some(0)
}

/// `(x, y, w, h)` in pixels of the card's surface.
type Area = (f64, f64, f64, f64);

/// The card's panel inside the layer's rect, leaving room for its shadow.
struct Card {
    panel: Area,
    radius: f64,
    /// The space between the panel's edge and its content.
    padding: f64,
    /// The space between blocks of content.
    gap: f64,
}

impl Card {
    fn new(w: f64, h: f64) -> Self {
        let unit = w.min(h);
        let margin = (unit * 0.035).clamp(2.0, 16.0);
        let panel = (margin, margin * 0.6, w - 2.0 * margin, h - margin * 2.0);
        Card {
            panel,
            radius: (unit * 0.07).clamp(6.0, 28.0),
            padding: (unit * 0.055).clamp(5.0, 26.0),
            gap: (unit * 0.045).clamp(4.0, 22.0),
        }
    }

    fn content(&self) -> Area {
        let (x, y, w, h) = self.panel;
        let p = self.padding;
        (x + p, y + p, (w - 2.0 * p).max(1.0), (h - 2.0 * p).max(1.0))
    }

    fn panel_path(&self, cr: &cairo::Context) {
        let (x, y, w, h) = self.panel;
        rounded_rect(cr, x, y, w, h, self.radius);
    }

    /// A soft drop shadow, then the white panel with a hairline edge, so the card reads
    /// on bright and dark video alike.
    fn draw_panel(&self, cr: &cairo::Context) -> Result<(), RenderError> {
        let (x, y, w, h) = self.panel;
        let spread = x; // the margin left around the panel
        const STEPS: u32 = 6;
        for i in 0..STEPS {
            let grow = spread * (1.0 - f64::from(i) / f64::from(STEPS));
            rounded_rect(
                cr,
                x - grow * 0.8,
                y - grow * 0.4 + spread * 0.35,
                w + grow * 1.6,
                h + grow * 1.2,
                self.radius + grow,
            );
            cr.set_source_rgba(0.0, 0.0, 0.0, 0.045);
            cr.fill()?;
        }
        // Pure white, so the QR code's white quiet zone melts into it.
        self.panel_path(cr);
        PANEL.set_source(cr);
        cr.fill_preserve()?;
        cr.set_source_rgba(0.0, 0.0, 0.0, 0.08);
        cr.set_line_width(1.0);
        cr.stroke()?;
        Ok(())
    }

    /// Fades the whole card and lays a dark band with "已售罄 SOLD OUT" across it.
    fn draw_sold_out(&self, cr: &cairo::Context) -> Result<(), RenderError> {
        let (x, y, w, h) = self.panel;
        cr.save()?;
        self.panel_path(cr);
        cr.clip();
        cr.set_source_rgba(1.0, 1.0, 1.0, 0.6);
        cr.paint()?;
        let band_h = (h * 0.24).min(w * 0.2).max(14.0).min(h);
        let band_y = y + (h - band_h) / 2.0;
        cr.rectangle(x, band_y, w, band_h);
        cr.set_source_rgba(0.12, 0.12, 0.12, 0.88);
        cr.fill()?;
        // Thin accent rules make the band read as a stamp, not a glitch.
        let rule = (band_h * 0.06).max(1.0);
        cr.rectangle(x, band_y, w, rule);
        cr.rectangle(x, band_y + band_h - rule, w, rule);
        ACCENT.set_source(cr);
        cr.fill()?;
        let layout = new_layout(cr)?;
        layout.set_text(SOLD_OUT);
        fit_line(&layout, band_h * 0.52, true, w * 0.86, 6.0);
        let (_, logical) = layout.pixel_extents();
        cr.move_to(x + (w - f64::from(logical.width())) / 2.0, band_y + (band_h - f64::from(logical.height())) / 2.0);
        cr.set_source_rgb(1.0, 1.0, 1.0);
        pangocairo::functions::show_layout(cr, &layout);
        cr.restore()?;
        Ok(())
    }
}

/// The card's texts, prepared once.
struct Info {
    name: String,
    tagline: Option<String>,
    /// The price, split so the symbol and cents can be drawn smaller: `("¥", "99", ".90")`.
    price: (String, String, String),
    /// The original price when it is higher than the price, such as `¥129`.
    original: Option<String>,
    /// Such as `-23%`.
    discount: Option<String>,
    /// Drawn under the price when the layer asks for it.
    sales: Option<SalesLine>,
}

impl Info {
    fn new(product: &Product) -> Self {
        let symbol = currency_symbol(&product.currency);
        let (whole, cents) = amount(product.price, &product.currency);
        let discounted = product
            .original_price
            .filter(|&original| original > product.price && original > 0.0 && product.price.is_finite());
        let original = discounted.map(|o| {
            let (w, c) = amount(o, &product.currency);
            format!("{symbol}{w}{c}")
        });
        let discount = discounted.and_then(|o| {
            let percent = ((o - product.price) / o * 100.0).round();
            (percent >= 1.0).then(|| format!("-{percent:.0}%"))
        });
        Info {
            name: product.name.trim().to_owned(),
            tagline: product.tagline.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned),
            price: (symbol, whole, cents),
            original,
            discount,
            sales: None,
        }
    }
}

/// `¥`, `$`... or the code and a space for currencies without a well-known sign.
fn currency_symbol(code: &str) -> String {
    match code.trim().to_ascii_uppercase().as_str() {
        "CNY" | "RMB" | "JPY" => "¥".to_owned(),
        "USD" => "$".to_owned(),
        "EUR" => "€".to_owned(),
        "GBP" => "£".to_owned(),
        "KRW" => "₩".to_owned(),
        "" => String::new(),
        other => format!("{other} "),
    }
}

/// The amount as whole units and cents (`"99"`, `".90"`); no cents when they are zero or
/// the currency has none. Thousands are grouped from 10,000 up.
fn amount(value: f64, currency: &str) -> (String, String) {
    let no_minor_unit = matches!(currency.trim().to_ascii_uppercase().as_str(), "JPY" | "KRW");
    let value = if value.is_finite() { value.max(0.0) } else { 0.0 };
    let cents_total = (value * 100.0).round() as u64;
    let (mut whole, mut cents) = (cents_total / 100, cents_total % 100);
    if no_minor_unit {
        whole = value.round() as u64;
        cents = 0;
    }
    let whole = if whole >= 10_000 { crate::sales::thousands(whole) } else { whole.to_string() };
    let cents = if cents == 0 { String::new() } else { format!(".{cents:02}") };
    (whole, cents)
}

/// Picture left, texts in the middle, QR code right.
fn landscape(
    cr: &cairo::Context,
    card: &Card,
    (x, y, w, h): Area,
    product: &Product,
    picture: Option<&cairo::ImageSurface>,
    qr: Option<&QrMatrix>,
    info: &Info,
) -> Result<(), RenderError> {
    let gap = card.gap;
    let mut right = x + w;
    if let Some(qr) = qr {
        let block = QrBlock::new(qr, w * 0.3, h, (h * 0.085).clamp(10.0, 18.0))
            .or_else(|| QrBlock::new(qr, w * 0.42, h, (h * 0.085).clamp(10.0, 18.0)))
            .or_else(|| QrBlock::new(qr, w * 0.42, h, 0.0))
            .unwrap_or_else(|| QrBlock::squeezed(qr, w * 0.42, h));
        let qx = x + w - block.side;
        block.draw(cr, qr, qx, y + (h - block.height) / 2.0)?;
        right = qx - gap;
    }
    let picture_side = h.min(w * 0.34);
    let picture_area = (x, y + (h - picture_side) / 2.0, picture_side, picture_side);
    draw_picture(cr, card, picture_area, product, picture, info)?;

    // Name and tagline at the top, the price at the bottom, shrunk together to fit.
    let left = x + picture_side + gap;
    let width = (right - left).max(1.0);
    let mut size = (h * 0.14).min(width * 0.13).max(MIN_TEXT_PX);
    loop {
        let title = TitleBlock::lay_out(cr, info, width, size)?;
        let price = PriceBlock::lay_out(cr, info, width, size * 1.9)?;
        let needed = title.height + size * 0.3 + price.height;
        if needed <= h || size <= MIN_TEXT_PX {
            // Lined up with the picture's top and bottom when they fit beside it.
            let (top, bottom) =
                if needed <= picture_side { (picture_area.1, picture_area.1 + picture_side) } else { (y, y + h) };
            title.draw(cr, left, top)?;
            return price.draw(cr, left, bottom - price.height);
        }
        size = (size * 0.9).max(MIN_TEXT_PX);
    }
}

/// Texts over the price and QR code. A tall card puts the picture on top, full width;
/// a squarish one puts it beside the name.
fn stacked(
    cr: &cairo::Context,
    card: &Card,
    (x, y, w, h): Area,
    product: &Product,
    picture: Option<&cairo::ImageSurface>,
    qr: Option<&QrMatrix>,
    info: &Info,
) -> Result<(), RenderError> {
    let gap = card.gap;
    let tall = w < h * TALL_ASPECT;
    let unit = if tall { w } else { h };

    // The bottom: the price on the left and the QR code on the right, or the price over
    // the QR code when the card is too narrow for both side by side.
    let caption = (unit * 0.05).clamp(10.0, 18.0);
    let qr_block = qr.map(|qr| {
        let max_h = if tall { h * 0.32 } else { h * 0.46 };
        QrBlock::new(qr, w * 0.42, max_h, caption)
            .or_else(|| QrBlock::new(qr, w * 0.55, h * 0.55, caption))
            .or_else(|| QrBlock::new(qr, w, h * 0.5, caption))
            .or_else(|| QrBlock::new(qr, w, h * 0.55, 0.0))
            .unwrap_or_else(|| QrBlock::squeezed(qr, w, h * 0.55))
    });
    let (qr_side, qr_h) = qr_block.as_ref().map_or((0.0, 0.0), |b| (b.side, b.height));
    let beside = qr_block.is_none() || w - qr_side - gap >= w * 0.38;
    let price_w = if beside { w - qr_side - gap } else { w }.max(1.0);
    let mut size = (unit * if tall { 0.075 } else { 0.085 }).max(11.0);
    let price_cap = |size: f64| {
        let cap = size * 2.0;
        if beside && qr_h > 0.0 {
            cap.min(qr_h * 0.42)
        } else {
            cap
        }
    };
    let price = PriceBlock::lay_out(cr, info, price_w, price_cap(size))?;
    let bottom_h = |price: &PriceBlock| {
        if beside {
            qr_h.max(price.height)
        } else {
            price.height + gap * 0.5 + qr_h
        }
    };
    let top_h = (h - bottom_h(&price) - gap).max(1.0);

    // Whatever happens above must not spill onto the QR code.
    cr.save()?;
    cr.rectangle(x, y, w, top_h);
    cr.clip();
    if tall {
        // The texts take what they need (shrinking when the card is short on room) and
        // the picture takes the rest, up to a square.
        let mut title = TitleBlock::lay_out(cr, info, w, size)?;
        while top_h - title.height - gap < top_h * 0.45 && size > MIN_TEXT_PX {
            size = (size * 0.9).max(MIN_TEXT_PX);
            title = TitleBlock::lay_out(cr, info, w, size)?;
        }
        let picture_h = (top_h - title.height - gap).min(w);
        let mut text_top = y;
        if picture_h >= h * 0.15 {
            draw_picture(cr, card, (x, y, w, picture_h), product, picture, info)?;
            text_top = y + picture_h + gap;
        }
        title.draw(cr, x, text_top)?;
    } else {
        let side = top_h.min(w * 0.42);
        draw_picture(cr, card, (x, y, side, side), product, picture, info)?;
        let left = x + side + gap;
        let width = (w - side - gap).max(1.0);
        size = size.min(width * 0.13);
        let mut title = TitleBlock::lay_out(cr, info, width, size)?;
        while title.height > top_h && size > MIN_TEXT_PX {
            size = (size * 0.9).max(MIN_TEXT_PX);
            title = TitleBlock::lay_out(cr, info, width, size)?;
        }
        title.draw(cr, left, y)?;
    }
    cr.restore()?;

    let bottom_top = y + h - bottom_h(&price);
    match (&qr_block, qr) {
        (Some(block), Some(qr)) if beside => {
            let row_h = bottom_h(&price);
            price.draw(cr, x, bottom_top + (row_h - price.height) / 2.0)?;
            block.draw(cr, qr, x + w - block.side, bottom_top + (row_h - block.height) / 2.0)?;
        }
        (Some(block), Some(qr)) => {
            price.draw(cr, x, bottom_top)?;
            let qr_top = bottom_top + price.height + gap * 0.5;
            block.draw(cr, qr, x + (w - block.side) / 2.0, qr_top)?;
        }
        _ => price.draw(cr, x, bottom_top)?,
    }
    Ok(())
}

/// The QR code and its caption underneath.
struct QrBlock {
    fit: QrFit,
    /// The QR code's side, quiet zone included.
    side: f64,
    caption_size: f64,
    /// Zero when the caption does not fit.
    caption_h: f64,
    height: f64,
}

impl QrBlock {
    /// The largest readable code (whole pixels per module, at least `qr::MIN_MODULE_PX`)
    /// that fits a `w` x `h` box with its caption; `None` when none fits.
    fn new(qr: &QrMatrix, w: f64, h: f64, caption_size: f64) -> Option<Self> {
        // A caption size of zero asks for no caption.
        let caption_h = (caption_size * 1.6).round();
        let fit = qr::fit(qr.modules, w.min(h - caption_h).floor() as i32)?;
        let side = f64::from(fit.side(qr.modules));
        Some(QrBlock { fit, side, caption_size, caption_h, height: side + caption_h })
    }

    /// When no readable code fits the card: as large as it goes and without a caption,
    /// so the card still shows a code (readable on a sharp stream, and a hint to make the
    /// card bigger).
    fn squeezed(qr: &QrMatrix, w: f64, h: f64) -> Self {
        let side = w.min(h).floor() as i32;
        let fit = QrFit { module_px: (side / (qr.modules + 4)).max(1), quiet: 2 };
        let side = f64::from(fit.side(qr.modules));
        QrBlock { fit, side, caption_size: 0.0, caption_h: 0.0, height: side }
    }

    fn draw(&self, cr: &cairo::Context, qr: &QrMatrix, x: f64, y: f64) -> Result<(), RenderError> {
        // Whole pixels, so every module is a crisp square of the same size.
        let (x, y) = (x.round(), y.round());
        qr::draw(cr, qr, self.fit, x as i32, y as i32)?;
        if self.caption_h <= 0.0 {
            return Ok(());
        }
        let layout = new_layout(cr)?;
        layout.set_text(SCAN_TO_BUY);
        // The caption may run a little wider than the code, never past the card's edge.
        fit_line(&layout, self.caption_size, false, self.side * 1.15, 6.0);
        let (_, logical) = layout.pixel_extents();
        let tw = f64::from(logical.width());
        cr.move_to(
            (x + (self.side - tw) / 2.0).min(x + self.side - tw),
            y + self.side + (self.caption_h - f64::from(logical.height())) / 2.0,
        );
        MUTED.set_source(cr);
        pangocairo::functions::show_layout(cr, &layout);
        Ok(())
    }
}

/// The product's picture cropped to cover the area, or a placeholder, and the discount
/// badge in its corner.
fn draw_picture(
    cr: &cairo::Context,
    card: &Card,
    area: Area,
    product: &Product,
    picture: Option<&cairo::ImageSurface>,
    info: &Info,
) -> Result<(), RenderError> {
    let radius = card.radius * 0.6;
    match picture {
        Some(picture) => image::paint(cr, picture, Fit::Cover, area, radius, 1.0)?,
        None => draw_placeholder(cr, area, radius, product)?,
    }
    if let Some(discount) = &info.discount {
        draw_badge(cr, area, radius, discount)?;
    }
    Ok(())
}

/// A gradient tinted by the product with its initial(s), so a card without a picture
/// still looks designed.
fn draw_placeholder(
    cr: &cairo::Context,
    (x, y, w, h): Area,
    radius: f64,
    product: &Product,
) -> Result<(), RenderError> {
    // The tint depends only on the product, so a product keeps its colour across shows.
    let hash = product.id.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    let (top, bottom) = PLACEHOLDER_GRADIENTS[hash as usize % PLACEHOLDER_GRADIENTS.len()];
    rounded_rect(cr, x, y, w, h, radius);
    let gradient = cairo::LinearGradient::new(x, y, x + w, y + h);
    gradient.add_color_stop_rgb(0.0, top.r, top.g, top.b);
    gradient.add_color_stop_rgb(1.0, bottom.r, bottom.g, bottom.b);
    cr.set_source(&gradient)?;
    cr.fill()?;

    let initials = initials(&product.name);
    if initials.is_empty() {
        return Ok(());
    }
    let layout = new_layout(cr)?;
    layout.set_text(&initials);
    fit_line(&layout, w.min(h) * 0.46, true, w * 0.8, 6.0);
    let (_, logical) = layout.pixel_extents();
    let tx = x + (w - f64::from(logical.width())) / 2.0;
    let ty = y + (h - f64::from(logical.height())) / 2.0;
    let shadow = (w.min(h) * 0.015).max(1.0);
    cr.move_to(tx, ty + shadow);
    cr.set_source_rgba(0.0, 0.0, 0.0, 0.16);
    pangocairo::functions::show_layout(cr, &layout);
    cr.move_to(tx, ty);
    cr.set_source_rgba(1.0, 1.0, 1.0, 0.96);
    pangocairo::functions::show_layout(cr, &layout);
    Ok(())
}

/// The first character of a name in a script without letter case (CJK: `"蓝"`), or the
/// initials of its first two words (`"Silk Scarf"` gives `"SS"`).
fn initials(name: &str) -> String {
    let Some(first) = name.chars().find(|c| c.is_alphanumeric()) else {
        return String::new();
    };
    if !first.is_ascii() {
        return first.to_uppercase().collect();
    }
    name.split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .filter(char::is_ascii)
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// The discount on a ribbon in the picture's top-left corner.
fn draw_badge(cr: &cairo::Context, (x, y, w, h): Area, radius: f64, text: &str) -> Result<(), RenderError> {
    let layout = new_layout(cr)?;
    layout.set_text(text);
    let size = fit_line(&layout, (w.min(h) * 0.15).clamp(8.0, 30.0), true, w * 0.7, 6.0);
    let (_, logical) = layout.pixel_extents();
    let pad_x = size * 0.45;
    let pad_y = size * 0.18;
    let bw = f64::from(logical.width()) + 2.0 * pad_x;
    let bh = f64::from(logical.height()) + 2.0 * pad_y;
    // Square where it meets the picture's corner, rounded where it points inwards.
    let r = radius.min(bh / 2.0);
    let tip = bh / 2.0;
    use std::f64::consts::{FRAC_PI_2, PI};
    cr.new_sub_path();
    cr.arc(x + r, y + r, r, PI, 3.0 * FRAC_PI_2);
    cr.line_to(x + bw - tip, y);
    cr.arc(x + bw - tip, y + tip, tip, -FRAC_PI_2, FRAC_PI_2);
    cr.line_to(x, y + bh);
    cr.close_path();
    let gradient = cairo::LinearGradient::new(x, y, x + bw, y);
    gradient.add_color_stop_rgb(0.0, ACCENT_DEEP.r, ACCENT_DEEP.g, ACCENT_DEEP.b);
    gradient.add_color_stop_rgb(1.0, ACCENT.r, ACCENT.g, ACCENT.b);
    cr.set_source(&gradient)?;
    cr.fill()?;
    cr.move_to(x + pad_x - tip * 0.15, y + pad_y);
    cr.set_source_rgb(1.0, 1.0, 1.0);
    pangocairo::functions::show_layout(cr, &layout);
    Ok(())
}

/// The name (bold, at most two lines) and the tagline on a tinted tag.
struct TitleBlock {
    name: pango::Layout,
    tagline: Option<pango::Layout>,
    size: f64,
    height: f64,
}

impl TitleBlock {
    fn lay_out(cr: &cairo::Context, info: &Info, w: f64, size: f64) -> Result<Self, RenderError> {
        let name = new_layout(cr)?;
        name.set_font_description(Some(&font(DEFAULT_FONTS, size, true)));
        name.set_text(&info.name);
        name.set_width((w * f64::from(pango::SCALE)) as i32);
        name.set_wrap(pango::WrapMode::WordChar);
        name.set_ellipsize(pango::EllipsizeMode::End);
        name.set_height(-2); // at most two lines
        name.set_spacing((-size * 0.12 * f64::from(pango::SCALE)) as i32);
        let mut height = f64::from(name.pixel_size().1);

        let tagline = match &info.tagline {
            Some(text) => {
                let layout = new_layout(cr)?;
                layout.set_font_description(Some(&font(DEFAULT_FONTS, size * 0.7, false)));
                layout.set_text(text);
                layout.set_width(((w - size * 0.6).max(1.0) * f64::from(pango::SCALE)) as i32);
                layout.set_ellipsize(pango::EllipsizeMode::End);
                height += size * 0.3 + f64::from(layout.pixel_size().1) + size * 0.16;
                Some(layout)
            }
            None => None,
        };
        Ok(TitleBlock { name, tagline, size, height })
    }

    fn draw(&self, cr: &cairo::Context, x: f64, y: f64) -> Result<(), RenderError> {
        let size = self.size;
        cr.move_to(x, y);
        INK.set_source(cr);
        pangocairo::functions::show_layout(cr, &self.name);
        if let Some(tagline) = &self.tagline {
            let top = y + f64::from(self.name.pixel_size().1) + size * 0.3;
            let (tw, th) = tagline.pixel_size();
            let (pad_x, pad_y) = (size * 0.3, size * 0.08);
            rounded_rect(cr, x, top, f64::from(tw) + 2.0 * pad_x, f64::from(th) + 2.0 * pad_y, size * 0.2);
            TAG_BACKGROUND.set_source(cr);
            cr.fill()?;
            cr.move_to(x + pad_x, top + pad_y);
            TAG_TEXT.set_source(cr);
            pangocairo::functions::show_layout(cr, tagline);
        }
        Ok(())
    }
}

/// The price, big, with the original price struck through beside it (or above it when
/// there is no room beside), and the sales line under it.
struct PriceBlock {
    price: pango::Layout,
    original: Option<(pango::Layout, bool)>,
    /// The sales line and the space above it.
    sales: Option<(pango::Layout, f64)>,
    height: f64,
}

impl PriceBlock {
    /// `size` is the largest the price may be; it shrinks to fit `w` on one line.
    fn lay_out(cr: &cairo::Context, info: &Info, w: f64, size: f64) -> Result<Self, RenderError> {
        let mut size = size.max(MIN_TEXT_PX);
        let price = new_layout(cr)?;
        loop {
            set_price(&price, info, size);
            if f64::from(price.pixel_size().0) <= w || size <= MIN_TEXT_PX {
                break;
            }
            size = (size * 0.92).max(MIN_TEXT_PX);
        }
        let price_h = f64::from(price.pixel_size().1);
        let (original, height) = match &info.original {
            Some(text) => {
                let layout = new_layout(cr)?;
                layout.set_font_description(Some(&font(DEFAULT_FONTS, (size * 0.4).max(MIN_TEXT_PX), false)));
                layout.set_text(text);
                let attrs = pango::AttrList::new();
                attrs.insert(pango::AttrInt::new_strikethrough(true));
                layout.set_attributes(Some(&attrs));
                let (ow, oh) = layout.pixel_size();
                let beside = f64::from(price.pixel_size().0 + ow) + size * 0.2 <= w;
                let height = if beside { price_h } else { price_h + f64::from(oh) };
                (Some((layout, beside)), height)
            }
            None => (None, price_h),
        };
        let (sales, height) = match &info.sales {
            Some(line) => {
                let layout = sales_layout(cr, line, w, (size * 0.36).max(MIN_TEXT_PX))?;
                let gap = size * 0.06;
                let height = height + gap + f64::from(layout.pixel_size().1);
                (Some((layout, gap)), height)
            }
            None => (None, height),
        };
        Ok(PriceBlock { price, original, sales, height })
    }

    fn draw(&self, cr: &cairo::Context, x: f64, y: f64) -> Result<(), RenderError> {
        let mut top = y;
        if let Some((original, false)) = &self.original {
            cr.move_to(x, top);
            MUTED.set_source(cr);
            pangocairo::functions::show_layout(cr, original);
            top += f64::from(original.pixel_size().1);
        }
        cr.move_to(x, top);
        ACCENT.set_source(cr);
        pangocairo::functions::show_layout(cr, &self.price);
        if let Some((original, true)) = &self.original {
            // On the price's baseline, a little to its right.
            let baseline = f64::from(self.price.baseline()) / f64::from(pango::SCALE);
            let own = f64::from(original.baseline()) / f64::from(pango::SCALE);
            let (pw, _) = self.price.pixel_size();
            let size = f64::from(original.pixel_size().1);
            cr.move_to(x + f64::from(pw) + size * 0.3, top + baseline - own);
            MUTED.set_source(cr);
            pangocairo::functions::show_layout(cr, original);
        }
        if let Some((sales, gap)) = &self.sales {
            cr.move_to(x, top + f64::from(self.price.pixel_size().1) + gap);
            MUTED.set_source(cr);
            pangocairo::functions::show_layout(cr, sales);
        }
        Ok(())
    }
}

/// `已售 1,024 · 仅剩 12 件` on one line, the units left in the accent colour, shrunk a
/// little and then ellipsized when wider than `w`. The rest of the line takes the colour set when it is drawn.
fn sales_layout(cr: &cairo::Context, line: &SalesLine, w: f64, size: f64) -> Result<pango::Layout, RenderError> {
    let layout = new_layout(cr)?;
    let (text, accent) = line.text();
    layout.set_text(&text);
    let attrs = pango::AttrList::new();
    // Digits of one width, so the line does not wobble as the count goes up.
    attrs.insert(pango::AttrFontFeatures::new("tnum 1"));
    if let Some(range) = accent {
        let channel = |c: f64| (c * 65535.0).round() as u16;
        let mut color = pango::AttrColor::new_foreground(channel(ACCENT.r), channel(ACCENT.g), channel(ACCENT.b));
        color.set_start_index(range.start as u32);
        color.set_end_index(range.end as u32);
        attrs.insert(color);
        let mut bold = pango::AttrInt::new_weight(pango::Weight::Bold);
        bold.set_start_index(range.start as u32);
        bold.set_end_index(range.end as u32);
        attrs.insert(bold);
    }
    layout.set_attributes(Some(&attrs));
    // Smaller rather than cut, down to three quarters of the size; cut beyond that.
    fit_line(&layout, size, false, w, (size * 0.75).max(MIN_TEXT_PX));
    layout.set_width((w.max(1.0) * f64::from(pango::SCALE)) as i32);
    layout.set_ellipsize(pango::EllipsizeMode::End);
    Ok(layout)
}

/// `¥99.90` with the symbol and the cents smaller, as shop apps print prices.
fn set_price(layout: &pango::Layout, info: &Info, size: f64) {
    let (symbol, whole, cents) = &info.price;
    let text = format!("{symbol}{whole}{cents}");
    layout.set_font_description(Some(&font(DEFAULT_FONTS, size, true)));
    layout.set_text(&text);
    let small = (size * 0.55 * f64::from(pango::SCALE)) as i32;
    let attrs = pango::AttrList::new();
    let mut symbol_attr = pango::AttrSize::new_size_absolute(small);
    symbol_attr.set_start_index(0);
    symbol_attr.set_end_index(symbol.len() as u32);
    attrs.insert(symbol_attr);
    if !cents.is_empty() {
        let start = (symbol.len() + whole.len()) as u32;
        let mut cents_attr = pango::AttrSize::new_size_absolute((size * 0.62 * f64::from(pango::SCALE)) as i32);
        cents_attr.set_start_index(start);
        cents_attr.set_end_index(start + cents.len() as u32);
        attrs.insert(cents_attr);
    }
    layout.set_attributes(Some(&attrs));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_prices_like_shops() {
        assert_eq!(amount(99.0, "CNY"), ("99".to_owned(), String::new()));
        assert_eq!(amount(99.9, "CNY"), ("99".to_owned(), ".90".to_owned()));
        assert_eq!(amount(1299.5, "USD"), ("1299".to_owned(), ".50".to_owned()));
        assert_eq!(amount(129000.4, "KRW"), ("129,000".to_owned(), String::new()));
        assert_eq!(amount(1234567.0, "JPY"), ("1,234,567".to_owned(), String::new()));
        assert_eq!(currency_symbol("cny"), "¥");
        assert_eq!(currency_symbol("KRW"), "₩");
        assert_eq!(currency_symbol("CHF"), "CHF ");
    }

    #[test]
    fn initials_follow_the_script() {
        assert_eq!(initials("蓝牙耳机 Pro"), "蓝");
        assert_eq!(initials("silk scarf, long"), "SS");
        assert_eq!(initials("  🍓 Fresh strawberries"), "FS");
        assert_eq!(initials("Ümlaut"), "Ü");
        assert_eq!(initials("!!!"), "");
    }

    #[test]
    fn discount_is_rounded_and_only_for_real_discounts() {
        let mut product = Product {
            id: "p".into(),
            name: "P".into(),
            price: 99.0,
            original_price: Some(129.0),
            currency: "CNY".into(),
            url: "https://example.com".into(),
            image: None,
            sold_out: false,
            tagline: None,
            stock: None,
            sold: 0,
        };
        let info = Info::new(&product);
        assert_eq!(info.discount.as_deref(), Some("-23%"));
        assert_eq!(info.original.as_deref(), Some("¥129"));
        product.original_price = Some(99.0);
        assert_eq!(Info::new(&product).original, None);
    }
}
